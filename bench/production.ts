// The bench measures the hub as operators run it: the Dockerfile sets NODE_ENV=production, and
// graphql-js reads it once, when it is first loaded (outside production it checks every value it
// meets against other copies of itself), so it is set here, before anything loads graphql. A
// NODE_ENV given to the bench is kept.
process.env.NODE_ENV ??= 'production';
