"""The Falcon API: resources, schemas, middleware and the one error map."""
