"""Training groups: join codes, bulk accounts, sessions and attendance, certificates, trainers trained."""
