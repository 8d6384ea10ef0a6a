#pragma once

#include <array>
#include <cstddef>
#include <ostream>
#include <stdexcept>

namespace linalg {

template <typename T, std::size_t Rows, std::size_t Cols>
class Matrix {
public:
    Matrix() { cells_.fill(T{}); }

    static Matrix identity() {
        static_assert(Rows == Cols, "only square matrices have an identity");
        Matrix m;
        for (std::size_t i = 0; i < Rows; ++i) {
            m(i, i) = T{1};
        }
        return m;
    }

    T& operator()(std::size_t r, std::size_t c) { return cells_[r * Cols + c]; }
    const T& operator()(std::size_t r, std::size_t c) const { return cells_[r * Cols + c]; }

    template <std::size_t Other>
    Matrix<T, Rows, Other> operator*(const Matrix<T, Cols, Other>& rhs) const {
        Matrix<T, Rows, Other> out;
        for (std::size_t i = 0; i < Rows; ++i) {
            for (std::size_t k = 0; k < Cols; ++k) {
                const T scale = (*this)(i, k);
                for (std::size_t j = 0; j < Other; ++j) {
                    out(i, j) += scale * rhs(k, j);
                }
            }
        }
        return out;
    }

    Matrix<T, Cols, Rows> transposed() const {
        Matrix<T, Cols, Rows> out;
        for (std::size_t i = 0; i < Rows; ++i) {
            for (std::size_t j = 0; j < Cols; ++j) {
                out(j, i) = (*this)(i, j);
            }
        }
        return out;
    }

private:
    std::array<T, Rows * Cols> cells_;
};

template <typename T, std::size_t R, std::size_t C>
std::ostream& operator<<(std::ostream& os, const Matrix<T, R, C>& m) {
    for (std::size_t i = 0; i < R; ++i) {
        os << (i ? "\n[" : "[");
        for (std::size_t j = 0; j < C; ++j) {
            os << (j ? ", " : "") << m(i, j);
        }
        os << "]";
    }
    return os;
}

}  // namespace linalg
