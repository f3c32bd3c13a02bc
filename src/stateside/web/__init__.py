"""The dashboard: server-rendered pages (Jinja2 templates, a little JavaScript, Plotly charts).

Every page reads run data through :mod:`stateside.api.access`, as the API does, and every
asset — styles, script, plotly.min.js from the installed plotly package — is served by
the application itself (no CDN). See docs/api.md.
"""
