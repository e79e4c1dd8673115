"""Working-day calendar: official Chinese holidays (chinesecalendar) plus the admin's overrides."""
