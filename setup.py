"""The chapter notebooks ship inside the package as ``dl_course/notebooks`` (package data), and
so do the web book's own pages (``dl_course/book_pages``); everything else is configured in
pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["dl_course*"]), "dl_course.notebooks"],
    package_dir={"dl_course.notebooks": "notebooks"},
    package_data={"dl_course.notebooks": ["*.ipynb"], "dl_course": ["book_pages/*.md"]},
)
