#pragma once
// The members of detail::Shared<T> that need T complete (T has a std::atomic<std::size_t> refs).

#include <atomic>
#include <utility>

#include "retain/detail/shared.hpp"

namespace retain::detail {

template <class T>
Shared<T>::Shared(const Shared& other) noexcept : p_(other.p_) {
    if (p_) p_->refs.fetch_add(1, std::memory_order_relaxed);
}

template <class T>
Shared<T>& Shared<T>::operator=(const Shared& other) noexcept {
    Shared copy(other);
    std::swap(p_, copy.p_);
    return *this;
}

template <class T>
Shared<T>& Shared<T>::operator=(Shared&& other) noexcept {
    Shared taken(std::move(other));
    std::swap(p_, taken.p_);
    return *this;
}

template <class T>
Shared<T>::~Shared() {
    // acq_rel: the last owner must see every other owner's reads finished before it deletes.
    if (p_ && p_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete p_;
}

}  // namespace retain::detail
