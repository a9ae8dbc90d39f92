"""One module per chapter: the chapter's task code, the recipes its benchmarks share and its
exercise checks. ``dl_course.chapters`` names each chapter's module; a notebook imports its own::

    from dl_course.lessons import ch05_rnn as lesson
"""
