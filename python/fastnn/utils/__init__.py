"""fastnn.utils: data loading (fastnn.utils.data), as torch.utils."""
from . import data

__all__ = ["data"]
