"""`khuyenhoc bench`: what the officer waits for on a large commune, beside the same work done the
plain way (the baseline), so that a slowdown shows as a ratio rather than a feeling.

`runner` builds a synthetic commune once, then runs each step in a fresh process (its peak memory
is its own): `steps` for the headless ones, `khuyenhoc_desktop.ui.bench_steps` for those that
need Qt (the core never imports Qt). Each step process prints one JSON line for the runner.
"""
