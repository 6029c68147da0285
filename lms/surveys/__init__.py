"""Surveys linked to trainings: building them, inviting members, answering, publishing answers in batches,
results, and XLSForm exchange with ODK and KoboToolbox."""
