// Command-line flags for the example trainers: every hyperparameter is a flag whose default is the
// seed's value, and --help lists them all with those defaults.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace examples {

class Cli {
public:
    Cli(std::string program, std::string description);

    // Each flag writes into the variable it is bound to; the variable's value is the default.
    Cli& flag(const std::string& name, int& value, const std::string& help);
    Cli& flag(const std::string& name, std::int64_t& value, const std::string& help);
    Cli& flag(const std::string& name, std::uint64_t& value, const std::string& help);
    Cli& flag(const std::string& name, double& value, const std::string& help);
    Cli& flag(const std::string& name, std::string& value, const std::string& help);
    Cli& flag(const std::string& name, std::filesystem::path& value, const std::string& help);
    /// A switch: present means true.
    Cli& flag(const std::string& name, bool& value, const std::string& help);
    /// A string flag that accepts only `choices`.
    Cli& choice(const std::string& name, std::string& value, std::vector<std::string> choices, const std::string& help);

    /// Parses "--name value", "--name=value" and switches. Returns false when the program should
    /// exit at once (after --help, or on a bad flag, which is reported on stderr); `exit_code` is
    /// then 0 or 2.
    bool parse(int argc, char** argv, int& exit_code) const;

    std::string usage() const;

private:
    struct Flag {
        std::string name, help, default_text;
        bool is_switch = false;
        std::function<void(const std::string&)> set;
    };
    Cli& add(Flag f);

    std::string program_, description_;
    std::vector<Flag> flags_;
};

}  // namespace examples
