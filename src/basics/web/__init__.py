"""The dashboard: server-rendered pages over the services the API uses, charts drawn by a
vendored uPlot (no CDN, no build step)."""
