"""Connection licences (guide §5): online, PRO, guest and gateway pools, and the
extensions a licence switches on."""
