"""The chapter notebooks ship inside the package as ``dl_course/notebooks`` (package data);
everything else is configured in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["dl_course*"]), "dl_course.notebooks"],
    package_dir={"dl_course.notebooks": "notebooks"},
    package_data={"dl_course.notebooks": ["*.ipynb"]},
)
