"""The same report with two mistakes in its queries."""

import neptune

project = neptune.init_project(project="team/vision")

# nql
PRODUCTION = '(`sys/tags`:stringSet = "prod") AND (`sys/failed`:bool = false)'


def accurate_runs(threshold: float, owner: str):
    return project.fetch_runs_table(
        query=f'(`sys/owner`:string = "{owner}") AND (last(`metrics/acc`:floatSeris) >= {threshold})',
    ).to_pandas()
