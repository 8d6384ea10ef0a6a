#ifndef STOPWATCH_HPP
#define STOPWATCH_HPP

#include <chrono>
#include <string>
#include <vector>

namespace timing {

class Stopwatch {
public:
    using clock = std::chrono::steady_clock;

    explicit Stopwatch(std::string name) : name_(std::move(name)), start_(clock::now()) {}

    const std::string& name() const { return name_; }

    void lap() { laps_.push_back(clock::now()); }

    std::vector<double> lap_seconds() const {
        std::vector<double> out;
        auto prev = start_;
        for (const auto& t : laps_) {
            out.push_back(std::chrono::duration<double>(t - prev).count());
            prev = t;
        }
        return out;
    }

private:
    std::string name_;
    clock::time_point start_;
    std::vector<clock::time_point> laps_;
};

}  // namespace timing

#endif  // STOPWATCH_HPP
