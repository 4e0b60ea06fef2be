"""A vendor's driver package, as a plug-in would ship it: the `acme:` scheme counts N events."""
