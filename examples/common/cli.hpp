// Command-line flags for the example trainers: every hyperparameter is a flag whose default is the
// seed's value, and --help lists them all with those defaults. Every value is checked as it is
// parsed (a number that is not one, out of its flag's range, or not finite is refused with the
// flag's name and the value).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace examples {

/// The values a number flag accepts, low..high, each end open or closed. A double flag is always
/// finite as well.
struct Bounds {
    double low = -std::numeric_limits<double>::infinity(), high = std::numeric_limits<double>::infinity();
    bool low_open = false, high_open = false;

    bool contains(double v) const {
        return (low_open ? v > low : v >= low) && (high_open ? v < high : v <= high);
    }
    /// "at least 1", "above 0", "in [0, 1)".
    std::string text() const;
};
inline Bounds at_least(double low) { return {.low = low}; }
inline Bounds above(double low) { return {.low = low, .low_open = true}; }
/// [0, 1): Adam's betas, RMSprop's alpha.
inline Bounds unit_interval() { return {.low = 0, .high = 1, .high_open = true}; }

class Cli {
public:
    Cli(std::string program, std::string description);

    // Each flag writes into the variable it is bound to; the variable's value is the default.
    Cli& flag(const std::string& name, int& value, const std::string& help, Bounds bounds = {});
    Cli& flag(const std::string& name, std::int64_t& value, const std::string& help, Bounds bounds = {});
    Cli& flag(const std::string& name, std::uint64_t& value, const std::string& help, Bounds bounds = {});
    Cli& flag(const std::string& name, double& value, const std::string& help, Bounds bounds = {});
    Cli& flag(const std::string& name, std::string& value, const std::string& help);
    Cli& flag(const std::string& name, std::filesystem::path& value, const std::string& help);
    /// A number flag whose default depends on other flags (a loss's own learning rate): where the
    /// command line does not give it, parse() sets it to otherwise() once every flag is read;
    /// --help shows default_text.
    Cli& flag(const std::string& name, double& value, const std::string& help, std::function<double()> otherwise,
              const std::string& default_text, Bounds bounds = {});
    /// The same for a whole number.
    Cli& flag(const std::string& name, int& value, const std::string& help, std::function<int()> otherwise,
              const std::string& default_text, Bounds bounds = {});
    /// A switch: present means true.
    Cli& flag(const std::string& name, bool& value, const std::string& help);
    /// A string flag that accepts only `choices`.
    Cli& choice(const std::string& name, std::string& value, std::vector<std::string> choices, const std::string& help);

    /// Where the command line gives --name (a flag added before), `applies()` must hold once every
    /// flag is read; otherwise parse() reports "--name VALUE: `why`" as a bad flag. For a flag
    /// that only means something with another flag's value (--gp-lambda with --loss wgan-gp).
    Cli& only_if(const std::string& name, std::function<bool()> applies, const std::string& why);

    /// Parses "--name value", "--name=value" and switches. Returns false when the program should
    /// exit at once (after --help, or on a bad flag, which is reported on stderr); `exit_code` is
    /// then 0 or 2.
    bool parse(int argc, char** argv, int& exit_code) const;

    std::string usage() const;

    /// Whether parse() prints --help's text and flag errors (default true). The other ranks of an
    /// mpirun launch parse the same flags silently, so that each message appears once.
    Cli& prints(bool yes) {
        prints_ = yes;
        return *this;
    }

    /// Every flag that takes a value, with its value now (after parse()), and every switch given
    /// ("on"), except those named in `except`: a run's settings, as its checkpoint stores them.
    std::vector<std::pair<std::string, std::string>> values(const std::vector<std::string>& except) const;

private:
    struct Flag {
        std::string name, help, default_text;
        bool is_switch = false;
        std::function<void(const std::string&)> set;
        std::function<std::string()> get;
        std::function<void()> finish{};  ///< after parsing: a dependent default where not given
        /// The value the command line gave, set by parse() (empty where it gave none).
        std::shared_ptr<std::optional<std::string>> given = std::make_shared<std::optional<std::string>>();
    };
    Cli& add(Flag f);
    template <class T>
    Cli& dependent(const std::string& name, T& value, const std::string& help, std::function<T()> otherwise,
                   const std::string& default_text, Bounds bounds);

    std::string program_, description_;
    std::vector<Flag> flags_;
    bool prints_ = true;
};

}  // namespace examples
