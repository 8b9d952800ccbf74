"""Which `-a` arguments a spider takes, so a misspelt one is a usage error, not ignored."""

import inspect


def known_arguments(spider_class: type, base: type) -> list[str]:
    """The keyword parameters (with defaults) of the `__init__` methods along the class chain
    from `spider_class` up to `base`: a new spider's own argument is known once it takes it."""
    known: set[str] = set()
    for klass in spider_class.__mro__:
        if "__init__" in vars(klass) and issubclass(klass, base):
            parameters = inspect.signature(vars(klass)["__init__"]).parameters.values()
            known |= {
                p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.default is not p.empty
            }
    return sorted(known)


def unknown_arguments(name: str, known: list[str], given: dict) -> str | None:
    """The usage error for arguments not in `known`, or None. Names starting with "_" pass:
    Scrapyd adds `_job` to every run."""
    unknown = [key for key in given if key not in known and not key.startswith("_")]
    if not unknown:
        return None
    return f"{name} has no argument {', '.join(map(repr, unknown))} (known: {', '.join(known)})"
