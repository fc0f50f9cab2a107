"""Test-only backend module that raises while being imported (a broken install)."""

from __future__ import annotations

raise RuntimeError("fault injected: this backend's module is broken")
