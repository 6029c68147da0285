"""The course format (docs/course-format.md): reading and checking course folders, writing them, importing
and exporting them, Markdown, zips."""
