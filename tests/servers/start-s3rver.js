// @20minutes/s3rver 5.0.0 ships lib/cli.js, which exports parseAsync but has no bin/ to call it.
require('./node_modules/@20minutes/s3rver/lib/cli.js')
  .parseAsync(process.argv)
  .catch((error) => { console.error(error); process.exit(1); });
