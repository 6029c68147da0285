"""What every feature uses: the base form and shared fields, the audit log, mail, error pages, headers, delivery,
logs and template helpers. Imports no feature."""
