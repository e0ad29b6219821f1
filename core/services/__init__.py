"""Services: every write the product makes. Plain functions taking primitives.

Each runs in one transaction, leaves an audit event, and raises a DoorstepError subclass
(changing nothing) when its input breaks a rule.
"""
