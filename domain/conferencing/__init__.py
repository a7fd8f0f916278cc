"""Conference management (guide §3, §14): conferences, their CIDs, schedules, access,
waiting room, interpretation, layouts, webinar registration, templates, sessions and
the automatic deletion rule."""
