#pragma once
// A counted reference to an immutable object the library defines (a parsed model document), for
// value types whose copies share it. Written here rather than std::shared_ptr because <memory>
// alone costs a public header about a second of compiling. The members that need T complete are
// defined in src/detail/shared_impl.hpp and instantiated by the one .cpp that owns T.

namespace retain::detail {

template <class T>
class Shared {
  public:
    Shared() = default;
    /// Takes ownership of `p`, whose count (T::refs) starts at 1.
    explicit Shared(T* p) noexcept : p_(p) {}
    Shared(const Shared& other) noexcept;
    Shared(Shared&& other) noexcept : p_(other.p_) { other.p_ = nullptr; }
    Shared& operator=(const Shared& other) noexcept;
    Shared& operator=(Shared&& other) noexcept;
    ~Shared();
    T* get() const noexcept { return p_; }

  private:
    T* p_ = nullptr;
};

}  // namespace retain::detail
