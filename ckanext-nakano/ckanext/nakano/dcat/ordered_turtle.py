"""Turtle that keeps the order of a dataset's distributions and contact points.

rdflib's Turtle serializer sorts every object list, so a dataset's
``dcat:distribution`` came out in the order of the resources' ids, and a stock
DCAT harvester (ckanext-dcat 2.4.4 reads distributions in the order it parsed
them) created the resources in that order, not the portal's (issue 17). RDF
itself has no order here; the file has, and it is what harvesters read. The
objects of the properties below keep the order the profiles added them in
(the resources' positions, the first contact first); the rest stays sorted as
rdflib writes it. rdflib 7.6.
"""
from __future__ import annotations

from typing import Any, Mapping

from rdflib import plugin
from rdflib.namespace import DCAT, DCTERMS as DCT
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.serializer import Serializer

ORDERED = (DCAT.distribution, DCAT.contactPoint, DCT.spatial)


class OrderedTurtleSerializer(TurtleSerializer):
    def sortProperties(self, properties: Mapping[Any, list[Any]]) -> list[Any]:
        as_added = {p: list(objects) for p, objects in properties.items() if p in ORDERED}
        props = super().sortProperties(properties)
        for predicate, objects in as_added.items():
            properties[predicate][:] = objects
        return props


def install() -> None:
    """rdflib's ``turtle`` (and ``ttl``) serializer is this one in this process."""
    for name in ("turtle", "ttl"):
        plugin.register(name, Serializer, __name__, "OrderedTurtleSerializer")
