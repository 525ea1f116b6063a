"""The quiz engine's models arrive with the quiz-engine issue."""
