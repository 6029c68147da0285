"""Taking courses: the catalogue, lessons, quizzes, progress, "My learning", and reading offline."""
