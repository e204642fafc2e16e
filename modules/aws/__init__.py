"""AWS building blocks shared by the stacks: the provider, the customer-managed key,
service roles and the tags every resource of a stack carries."""
