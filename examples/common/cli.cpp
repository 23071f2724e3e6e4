#include "cli.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace examples {

namespace {
template <class T>
std::string to_text(const T& v) {
    if constexpr (std::is_floating_point_v<T>) {
        char buf[64];
        return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);  // the shortest exact text
    } else {
        std::ostringstream s;
        s << v;
        return s.str();
    }
}
template <class T>
T parse_number(const std::string& name, const std::string& text, const Bounds& bounds) {
    T v{};
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    const auto bad = [&](const std::string& why) { return std::invalid_argument("--" + name + " " + text + ": " + why); };
    if (ec == std::errc::result_out_of_range) throw bad("out of range");
    if (ec != std::errc{} || ptr != end)
        throw bad(std::is_integral_v<T> ? std::is_signed_v<T> ? "not a whole number" : "not a whole number of at least 0"
                                        : "not a number");
    if constexpr (std::is_floating_point_v<T>)
        if (!std::isfinite(v)) throw bad("not a finite number");
    if (!bounds.contains(static_cast<double>(v))) throw bad("must be " + bounds.text());
    return v;
}
/// A number flag: its text now, and a setter that checks the value.
template <class T>
std::pair<std::function<void(const std::string&)>, std::function<std::string()>> number(const std::string& name, T& value,
                                                                                       Bounds bounds) {
    return {[&value, name, bounds](const std::string& t) { value = parse_number<T>(name, t, bounds); },
            [&value] { return to_text(value); }};
}
}  // namespace

std::string Bounds::text() const {
    constexpr double inf = std::numeric_limits<double>::infinity();
    if (high == inf) return (low_open ? "above " : "at least ") + to_text(low);
    if (low == -inf) return (high_open ? "below " : "at most ") + to_text(high);
    return "in " + std::string(low_open ? "(" : "[") + to_text(low) + ", " + to_text(high) + (high_open ? ")" : "]");
}

Cli::Cli(std::string program, std::string description)
    : program_(std::move(program)), description_(std::move(description)) {}

Cli& Cli::add(Flag f) {
    flags_.push_back(std::move(f));
    return *this;
}

Cli& Cli::flag(const std::string& name, int& value, const std::string& help, Bounds bounds) {
    auto [set, get] = number(name, value, bounds);
    return add({name, help, to_text(value), false, set, get});
}
Cli& Cli::flag(const std::string& name, std::int64_t& value, const std::string& help, Bounds bounds) {
    auto [set, get] = number(name, value, bounds);
    return add({name, help, to_text(value), false, set, get});
}
Cli& Cli::flag(const std::string& name, std::uint64_t& value, const std::string& help, Bounds bounds) {
    auto [set, get] = number(name, value, bounds);
    return add({name, help, to_text(value), false, set, get});
}
Cli& Cli::flag(const std::string& name, double& value, const std::string& help, Bounds bounds) {
    auto [set, get] = number(name, value, bounds);
    return add({name, help, to_text(value), false, set, get});
}
template <class T>
Cli& Cli::dependent(const std::string& name, T& value, const std::string& help, std::function<T()> otherwise,
                    const std::string& default_text, Bounds bounds) {
    auto [set, get] = number(name, value, bounds);
    Flag f{name, help, default_text, false, set, get};
    f.finish = [&value, given = f.given, otherwise] {
        if (!*given) value = otherwise();
    };
    return add(std::move(f));
}
Cli& Cli::flag(const std::string& name, double& value, const std::string& help, std::function<double()> otherwise,
               const std::string& default_text, Bounds bounds) {
    return dependent(name, value, help, std::move(otherwise), default_text, bounds);
}
Cli& Cli::flag(const std::string& name, int& value, const std::string& help, std::function<int()> otherwise,
               const std::string& default_text, Bounds bounds) {
    return dependent(name, value, help, std::move(otherwise), default_text, bounds);
}
Cli& Cli::flag(const std::string& name, std::string& value, const std::string& help) {
    return add({name, help, value, false, [&value](const std::string& t) { value = t; }, [&value] { return value; }});
}
Cli& Cli::flag(const std::string& name, std::filesystem::path& value, const std::string& help) {
    return add({name, help, value.string(), false, [&value](const std::string& t) { value = t; },
                [&value] { return value.string(); }});
}
Cli& Cli::flag(const std::string& name, bool& value, const std::string& help) {
    return add({name, help, "", true, [&value](const std::string&) { value = true; }, {}});
}
Cli& Cli::only_if(const std::string& name, std::function<bool()> applies, const std::string& why) {
    const auto f = std::find_if(flags_.begin(), flags_.end(), [&](const Flag& x) { return x.name == name; });
    if (f == flags_.end()) throw std::logic_error("Cli::only_if: no flag --" + name);
    f->finish = [finish = std::move(f->finish), given = f->given, applies = std::move(applies), name, why] {
        if (finish) finish();
        if (*given && !applies())
            throw std::invalid_argument("--" + name + ((*given)->empty() ? "" : " " + **given) + ": " + why);
    };
    return *this;
}

Cli& Cli::choice(const std::string& name, std::string& value, std::vector<std::string> choices,
                 const std::string& help) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : "|") + c;
    return add({name, help + " (" + list + ")", value, false, [&value, name, choices, list](const std::string& t) {
                    if (std::find(choices.begin(), choices.end(), t) == choices.end())
                        throw std::invalid_argument("--" + name + " " + t + ": not one of " + list);
                    value = t;
                },
                [&value] { return value; }});
}

std::vector<std::pair<std::string, std::string>> Cli::values(const std::vector<std::string>& except) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& f : flags_) {
        if (std::find(except.begin(), except.end(), f.name) != except.end()) continue;
        // A switch only where given, so that the settings of runs without it stay as they were.
        if (!f.is_switch)
            out.emplace_back(f.name, f.get());
        else if (f.given->has_value())
            out.emplace_back(f.name, "on");
    }
    return out;
}

std::string Cli::usage() const {
    std::ostringstream s;
    s << "usage: " << program_ << " [flags]\n" << description_ << "\n\nflags (default in brackets):\n";
    for (const auto& f : flags_) {
        std::string head = "  --" + f.name + (f.is_switch ? "" : " V");
        s << std::left << std::setw(24) << head << " " << f.help;
        if (!f.is_switch && !f.default_text.empty()) s << " [" << f.default_text << "]";
        s << "\n";
    }
    s << "  --help                   this text\n";
    return s.str();
}

bool Cli::parse(int argc, char** argv, int& exit_code) const {
    try {
        for (int i = 1; i < argc; ++i) {
            std::string arg = argv[i];
            if (arg == "--help" || arg == "-h") {
                if (prints_) std::cout << usage();
                exit_code = 0;
                return false;
            }
            if (arg.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument \"" + arg + "\"");
            std::string name = arg.substr(2), value;
            const auto eq = name.find('=');
            const bool inline_value = eq != std::string::npos;
            if (inline_value) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
            }
            const auto f = std::find_if(flags_.begin(), flags_.end(), [&](const Flag& x) { return x.name == name; });
            if (f == flags_.end()) throw std::invalid_argument("unknown flag --" + name);
            if (!f->is_switch && !inline_value) {
                if (i + 1 >= argc) throw std::invalid_argument("--" + name + " needs a value");
                value = argv[++i];
            }
            f->set(value);
            *f->given = value;
        }
        for (const auto& f : flags_)
            if (f.finish) f.finish();
        return true;
    } catch (const std::invalid_argument& e) {
        if (prints_) std::cerr << program_ << ": " << e.what() << "\n(" << program_ << " --help lists the flags)\n";
        exit_code = 2;
        return false;
    }
}

}  // namespace examples
