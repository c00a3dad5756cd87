"""ember.special: torch.special's names for Ember's special functions.

The gamma family (digamma/psi, polygamma, multigammaln, gammaln) and the elementwise functions
torch.special shares with the top level. Each name is the top-level op itself (so autograd and
out= work the same), except where torch's argument errors name the special_ function: those
check their arguments, then call the top-level op.

Import after ``autograd.function.install()`` (``import ember.special`` always is: it imports ember
first), so the aliases bound here are the recording wrappers.
"""
import ember as _E
from .ops import _special_gamma as _g

__all__ = ["digamma", "psi", "polygamma", "multigammaln", "gammaln", "erf", "erfc", "erfinv",
           "expit", "logit", "exp2", "expm1", "log1p", "sinc", "xlogy", "logsumexp"]


def digamma(input, *, out=None):
    """psi(x) = d/dx ln|gamma(x)| (torch.special.digamma)."""
    _g.check_tensor(input, "special_digamma")
    return _E.digamma(input, out=out)


def psi(input, *, out=None):
    """Alias of digamma (torch.special.psi)."""
    _g.check_tensor(input, "special_psi")
    return _E.digamma(input, out=out)


def polygamma(n, input, *, out=None):
    """psi^(n)(x), the n-th derivative of digamma (torch.special.polygamma)."""
    _g.check_polygamma_n(n, "special_polygamma")
    _g.check_tensor(input, "special_polygamma", 2)
    return _E.polygamma(n, input, out=out)


def multigammaln(input, p, *, out=None):
    """ln of the multivariate gamma function of dimension p (torch.special.multigammaln)."""
    _g.check_mvlgamma(input, p, "special_multigammaln")
    return _E.mvlgamma(input, p, out=out)


gammaln = _E.lgamma
erf, erfc, erfinv = _E.erf, _E.erfc, _E.erfinv
expit, logit = _E.sigmoid, _E.logit
exp2, expm1, log1p = _E.exp2, _E.expm1, _E.log1p
sinc, xlogy, logsumexp = _E.sinc, _E.xlogy, _E.logsumexp
