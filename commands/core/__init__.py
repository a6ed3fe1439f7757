"""The platform-neutral core: request/reply model, registry, dispatcher, catalogue, roles."""
