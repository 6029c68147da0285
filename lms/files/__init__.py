"""Files people give us or take away: uploads within limits, spreadsheets that run no formula, course images at
the width a screen needs."""
