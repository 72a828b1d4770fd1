"""Enterprise registration, agents and mandates, and family proxies (代办)."""

urlpatterns: list = []
