"""Nakano Open Data Portal: the ckanext-nakano CKAN extension."""
from setuptools import find_namespace_packages, setup

setup(
    name="ckanext-nakano",
    version="0.1.0",
    description="CKAN extension of the Nakano ward (中野区) open-data portal",
    license="AGPL-3.0-or-later",
    python_requires=">=3.11,<3.12",
    package_dir={"": "ckanext-nakano"},
    packages=find_namespace_packages(where="ckanext-nakano", include=["ckanext.*"]),
    include_package_data=True,
    package_data={
        "ckanext.nakano": [
            "config_declaration.yaml",
            "templates/**/*",
            "assets/**/*",
            "i18n/**/*",
            "schemas/*.yaml",
            "schemas/vocab/*",
            "schemas/tables/**/*",
            "schemas/openapi/*",
            # Statements served as pages (/privacy, /accessibility).
            "docs/privacy.md",
            "docs/accessibility.md",
            "demo/*.yaml",
            "harvest/*.yaml",
            "demo/catalog/*",
            "demo/samples/*/*",
            # /learn: lessons (data), their notebooks and the browser tests' screenshots.
            "learn/lessons/*.yaml",
            "learn/notebooks/*.ipynb",
            "learn/screenshots/*.png",
        ],
    },
    entry_points={
        "ckan.plugins": [
            "nakano = ckanext.nakano.plugin:NakanoPlugin",
            "nakano_folder_harvester = ckanext.nakano.harvest.folder:FolderHarvester",
            "nakano_system_harvester = ckanext.nakano.harvest.system:SystemHarvester",
            "nakano_ckan_harvester = ckanext.nakano.harvest.remote:NakanoCKANHarvester",
            "nakano_map_view = ckanext.nakano.plugin:NakanoMapViewPlugin",
            "nakano_chart_view = ckanext.nakano.plugin:NakanoChartViewPlugin",
            "nakano_datastore_text = ckanext.nakano.plugin:NakanoDatastoreTextPlugin",
        ],
        "ckan.rdf.profiles": [
            "nakano = ckanext.nakano.dcat.profiles:NakanoDCATProfile",
        ],
    },
    zip_safe=False,
)
