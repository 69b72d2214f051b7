"""Every browser page: URLs, one views module per page, context processors, template tags, chart geometry."""
