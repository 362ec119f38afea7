"""A weekly report: the queries live in Python strings, and nql-lsp checks them where they are."""

import neptune

project = neptune.init_project(project="team/vision")

# nql
PRODUCTION = '(`sys/tags`:stringSet CONTAINS "prod") AND (`sys/failed`:bool = false)'


def accurate_runs(threshold: float, owner: str):
    """Production runs of one owner above an accuracy threshold."""
    return project.fetch_runs_table(
        query=f'{PRODUCTION} AND (`sys/owner`:string = "{owner}") AND (last(`metrics/acc`:floatSeries) >= {threshold})',
        columns=["sys/id", "metrics/acc"],
    ).to_pandas()
