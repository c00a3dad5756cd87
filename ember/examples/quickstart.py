"""A first look at Ember: tensors, broadcasting, reductions and a least-squares fit.

Run with ``python -m ember.examples.quickstart``. (The end-to-end training demo,
``python -m ember.examples.digits``, replaces this as the main job once the nn library lands.)
"""
import ember


def main():
    ember.manual_seed(0) if hasattr(ember, "manual_seed") else None
    x = ember.linspace(-1.0, 1.0, 9)
    y = 3.0 * x - 0.5 + 0.1 * ember.sin(10 * x)
    print("x =", x)
    print("y = 3x - 0.5 + noise =", y)
    # closed-form least squares for slope and intercept
    xm, ym = x.sum() / x.numel(), y.sum() / y.numel()
    slope = ((x - xm) * (y - ym)).sum() / ((x - xm) ** 2).sum()
    intercept = ym - slope * xm
    print(f"fitted slope {slope.item():.3f}, intercept {intercept.item():.3f}")


if __name__ == "__main__":
    main()
