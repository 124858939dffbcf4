"""The reach forecast (issue 15): per account, the groups an announcement reaches, the limits
that bind and the seconds until 50 %, 95 % and 100 % of them are reached, with warnings a
person can act on. :mod:`.model` is the pure model, :mod:`.calendar` its clock,
:mod:`.service` gathers the inputs, :mod:`.text` writes it for people and JSON."""
