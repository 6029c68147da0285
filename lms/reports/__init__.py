"""Reports: participation and outcomes per country, gender and age, and the donor's formats."""
