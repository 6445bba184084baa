"""Where a net runs and in which precision: device choice, bf16 autocast, where a
reloaded model goes on a machine that may lack the device it was trained on, and how
many CPU threads a step may use."""

from __future__ import annotations

import contextlib

import torch


def select_device(device: str | torch.device = "auto", *, cuda_available: bool | None = None) -> torch.device:
    """Resolve a device request to a concrete :class:`torch.device`.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device
        ``"auto"`` picks CUDA when it is available, else the CPU.
    cuda_available : bool, optional
        Whether CUDA is usable; defaults to ``torch.cuda.is_available()``.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        For an unknown device name, or a CUDA device when CUDA is not available.
    """
    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if cuda_available else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}") from error
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}")
    if resolved.type == "cuda" and not cuda_available:
        raise ValueError(f"device={device!r} was asked for but CUDA is not available on this machine")
    return resolved


def use_bf16(device: torch.device, mixed_precision: bool | str = "auto") -> bool:
    """Whether to train and predict under bf16 autocast.

    Parameters
    ----------
    device : torch.device
        The resolved device.
    mixed_precision : {"auto", True, False}
        ``"auto"`` means on for CUDA, off for the CPU.

    Raises
    ------
    ValueError
        For another value, or ``True`` on the CPU (bf16 autocast is used on CUDA only).
    """
    if isinstance(mixed_precision, str):
        if mixed_precision != "auto":
            raise ValueError(f"mixed_precision must be 'auto', True or False, got {mixed_precision!r}")
        return device.type == "cuda"
    if not isinstance(mixed_precision, bool):
        raise ValueError(f"mixed_precision must be 'auto', True or False, got {mixed_precision!r}")
    if mixed_precision and device.type != "cuda":
        raise ValueError("mixed_precision=True needs a CUDA device (bf16 autocast is only used on CUDA)")
    return mixed_precision


def autocast(device: torch.device, enabled: bool) -> contextlib.AbstractContextManager:
    """bf16 autocast on ``device`` when ``enabled``, else a no-op context."""
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


def placement_after_load(saved: torch.device | str, *, cuda_available: bool | None = None) -> torch.device:
    """The device a reloaded model goes to: its training device when this machine has
    it, else the CPU (a model trained on a GPU loads and predicts without one)."""
    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    saved = torch.device(saved)
    if saved.type == "cuda" and cuda_available:
        index = saved.index or 0
        if index < torch.cuda.device_count():
            return saved
        return torch.device("cuda")
    return torch.device("cpu")


@contextlib.contextmanager
def cpu_threads(limit: int | None, device: torch.device):
    """At most ``limit`` torch CPU threads inside the block (for CPU work), restored after."""
    before = torch.get_num_threads()
    if limit is None or device.type != "cpu" or before <= limit:
        yield
        return
    torch.set_num_threads(limit)
    try:
        yield
    finally:
        torch.set_num_threads(before)
