"""shipcall: ship AI features with evidence."""

__version__ = "0.1.0"
