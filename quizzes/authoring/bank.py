"""Question bank, quizzes and blueprints in the Wagtail admin."""
