#include "cli.hpp"

#include <algorithm>
#include <charconv>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace examples {

namespace {
template <class T>
T parse_number(const std::string& name, const std::string& text) {
    T v{};
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc{} || ptr != end)
        throw std::invalid_argument("--" + name + ": \"" + text + "\" is not a valid number");
    return v;
}
template <class T>
std::string to_text(const T& v) {
    std::ostringstream s;
    s << v;
    return s.str();
}
}  // namespace

Cli::Cli(std::string program, std::string description)
    : program_(std::move(program)), description_(std::move(description)) {}

Cli& Cli::add(Flag f) {
    flags_.push_back(std::move(f));
    return *this;
}

Cli& Cli::flag(const std::string& name, int& value, const std::string& help) {
    return add({name, help, to_text(value), false, [&value, name](const std::string& t) { value = parse_number<int>(name, t); }});
}
Cli& Cli::flag(const std::string& name, std::int64_t& value, const std::string& help) {
    return add({name, help, to_text(value), false,
                [&value, name](const std::string& t) { value = parse_number<std::int64_t>(name, t); }});
}
Cli& Cli::flag(const std::string& name, std::uint64_t& value, const std::string& help) {
    return add({name, help, to_text(value), false,
                [&value, name](const std::string& t) { value = parse_number<std::uint64_t>(name, t); }});
}
Cli& Cli::flag(const std::string& name, double& value, const std::string& help) {
    return add({name, help, to_text(value), false,
                [&value, name](const std::string& t) { value = parse_number<double>(name, t); }});
}
Cli& Cli::flag(const std::string& name, std::string& value, const std::string& help) {
    return add({name, help, value, false, [&value](const std::string& t) { value = t; }});
}
Cli& Cli::flag(const std::string& name, std::filesystem::path& value, const std::string& help) {
    return add({name, help, value.string(), false, [&value](const std::string& t) { value = t; }});
}
Cli& Cli::flag(const std::string& name, bool& value, const std::string& help) {
    return add({name, help, "", true, [&value](const std::string&) { value = true; }});
}
Cli& Cli::choice(const std::string& name, std::string& value, std::vector<std::string> choices,
                 const std::string& help) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : "|") + c;
    return add({name, help + " (" + list + ")", value, false, [&value, name, choices, list](const std::string& t) {
                    if (std::find(choices.begin(), choices.end(), t) == choices.end())
                        throw std::invalid_argument("--" + name + ": \"" + t + "\" is not one of " + list);
                    value = t;
                }});
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
                std::cout << usage();
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
        }
        return true;
    } catch (const std::invalid_argument& e) {
        std::cerr << program_ << ": " << e.what() << "\n(" << program_ << " --help lists the flags)\n";
        exit_code = 2;
        return false;
    }
}

}  // namespace examples
