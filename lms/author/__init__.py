"""Writing courses in the browser: structure, versioned lessons, quizzes, images, zips."""
