"""Package versions in a record's environment: distributions, and import names provided by another one."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError

import pytest

from bench.run import environment

INSTALLED = {"tensorflow-cpu": "2.21.0", "tensorflow_cpu": "2.21.0", "keras": "3.15.1", "numpy": "2.4.6"}


@pytest.fixture
def fake_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """tensorflow installed as the ``tensorflow-cpu`` distribution (its wheel's name: ``tensorflow_cpu``)."""
    def version(name: str) -> str:
        if name not in INSTALLED:
            raise PackageNotFoundError(name)
        return INSTALLED[name]

    monkeypatch.setattr(environment, "version", version)
    monkeypatch.setattr(environment, "packages_distributions",
                        lambda: {"tensorflow": ["tensorflow_cpu"], "keras": ["keras"], "numpy": ["numpy"]})


@pytest.mark.usefixtures("fake_metadata")
def test_an_import_name_reads_its_distributions_version() -> None:
    versions = environment.package_versions(("numpy", "tensorflow", "keras"))
    assert versions == {"numpy": "2.4.6", "tensorflow": "2.21.0 (tensorflow-cpu)", "keras": "3.15.1"}


@pytest.mark.usefixtures("fake_metadata")
def test_an_alternative_distribution_already_named_is_not_repeated() -> None:
    versions = environment.package_versions(("numpy", "tensorflow", "tensorflow-cpu", "keras"))
    assert versions == {"numpy": "2.4.6", "tensorflow": "2.21.0 (tensorflow-cpu)", "keras": "3.15.1"}
    assert "not installed" not in versions.values()


@pytest.mark.usefixtures("fake_metadata")
def test_a_name_neither_installed_nor_importable_is_not_installed() -> None:
    assert environment.package_versions(("torch",)) == {"torch": "not installed"}


def test_the_real_metadata_agrees_with_itself() -> None:
    """On this machine: whatever provides an importable ``numpy`` is reported with a version."""
    assert environment.package_versions(("numpy",))["numpy"] != "not installed"
