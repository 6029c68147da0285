"""Files people give us or take away: uploads within limits, spreadsheets that run no formula."""
