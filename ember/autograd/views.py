"""In-place ops on views of tensors that require grad."""


def check_inplace_view(view, op_name):
    """In-place writes through a view into a graph-tracked base need the base's history rebased
    (PyTorch's CopySlices); until that lands, refuse clearly instead of computing wrong gradients."""
    raise RuntimeError(
        f"{op_name}: in-place modification of a view of a tensor that requires grad is not supported "
        "yet by Ember's autograd; apply the op out of place (e.g. use ember.where or torch-style "
        "cat/stack) or clone() the base first.")
