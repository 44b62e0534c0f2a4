# What the benchmark asks of our module, written once, as the lines a user's script would hold:
# Get-BenchConnectText and Get-BenchOperationText return them as text. This session runs them as
# scriptblocks (Connect-BenchBackend, Invoke-BenchOperation); a fresh process runs a script file of
# those lines and a Stopwatch, nothing else (New-OursScript). A harness of advanced functions around
# them cost ~125 ms and ~2 MiB in every fresh process (measured: the script's mandatory parameters
# ~40 ms, its first string through Out-Default ~35 ms, the dot-sourced ValidateSet functions ~50 ms),
# which is pwsh warming up for the harness, not the module's cost.
# Connection facts come from the MF_TEST_* variables that tests/servers/TestServers.psm1 sets; they
# stay variable references in the text, so no secret is written into a script file.

function ConvertTo-BenchLiteral([string] $Value) { "'" + $Value.Replace("'", "''") + "'" }

function Get-BenchConnectText([string] $Backend, [string] $LocalRoot, [string] $Bucket = 'bench') {
    $bucketLiteral = ConvertTo-BenchLiteral $Bucket
    switch ($Backend) {
        'local' { "Connect-BronzeStorage -Backend Local -Path $(ConvertTo-BenchLiteral $LocalRoot) -Name bench" }
        's3' {
            # A SecureString built with .NET calls: ConvertTo-SecureString would autoload PowerShell's Security
            # module (~120 ms of CPU in a fresh process).
            @(
                '$secret = [Security.SecureString]::new()'
                'foreach ($c in $env:MF_TEST_S3_SECRET_KEY.ToCharArray()) { $secret.AppendChar($c) }'
                ('Connect-BronzeStorage -Backend S3 -Bucket {0} -EndpointUrl $env:MF_TEST_S3_ENDPOINT -Region us-east-1 ' +
                    '-Credential ([pscredential]::new($env:MF_TEST_S3_ACCESS_KEY, $secret)) -Name bench') -f $bucketLiteral
            ) -join "`n"
        }
        'azure' {
            'Connect-BronzeStorage -Backend Azure -Account $env:MF_TEST_AZURE_ACCOUNT -Container {0} -ConnectionString $env:MF_TEST_AZURE_CONNECTION_STRING -Name bench' -f $bucketLiteral
        }
        'sftp' {
            # The bucket is a folder under the test server's root (made by the first upload).
            @(
                '$config = [IO.Path]::Combine([IO.Path]::GetTempPath(), "mf-bench-sftp-$PID.yaml")'
                "[IO.File]::WriteAllLines(`$config, [string[]]@('platform:', '  bronze:', '    storage_backend: sftp', `"    sftp_host: `$env:MF_TEST_SFTP_HOST`", `"    sftp_port: `$env:MF_TEST_SFTP_PORT`","
                "    `"    sftp_path: `$env:MF_TEST_SFTP_ROOT`", $(ConvertTo-BenchLiteral "    sftp_prefix: $Bucket"), '  sftp_connection:', '    username_env: MF_TEST_SFTP_USER',"
                "    '    password_env: MF_TEST_SFTP_PASSWORD', `"    known_hosts_path: `$env:MF_TEST_SFTP_KNOWN_HOSTS`"))"
                'try { Connect-BronzeStorage -ConfigPath $config -Name bench } finally { [IO.File]::Delete($config) }'
            ) -join "`n"
        }
        default { throw "Unknown backend '$Backend' (local, s3, azure, sftp)." }
    }
}

<#
One workload step with the current connection. List returns a count (what the controller verifies);
the transfers return nothing to check (their results are verified from outside).
#>
function Get-BenchOperationText([string] $Operation, [string] $Source, [string] $Remote, [string] $Destination) {
    $s = ConvertTo-BenchLiteral $Source; $r = ConvertTo-BenchLiteral $Remote; $d = ConvertTo-BenchLiteral $Destination
    switch ($Operation) {
        'SendFile' { "Send-BronzeFile -Path $s -Destination $r" }
        'SendFolder' { "Send-BronzeFile -Path $s -Recurse -Destination $r" }
        'GetFile' { "Get-BronzeFile -Path $r -Destination $d -Force | Out-Null" }
        'GetFolder' { "Get-BronzeFileList -Prefix $r | Get-BronzeFile -Destination $d -Force | Out-Null" }
        'List' { "(Get-BronzeFileList -Prefix $r | Measure-Object).Count" }
        'Delete' { "Get-BronzeFileList -Prefix $r | Remove-BronzeFile" }
        default { throw "Unknown operation '$Operation' (SendFile, SendFolder, GetFile, GetFolder, List, Delete)." }
    }
}

function Connect-BenchBackend([string] $Backend, [string] $LocalRoot, [string] $Bucket = 'bench') {
    & ([scriptblock]::Create((Get-BenchConnectText $Backend $LocalRoot $Bucket)))
}

function Invoke-BenchOperation([string] $Operation, [string] $Source, [string] $Remote, [string] $Destination) {
    & ([scriptblock]::Create((Get-BenchOperationText $Operation $Source $Remote $Destination)))
}

<#
The script a fresh process runs for one step: import, connect, the operation, as a user would write
them, with a Stopwatch whose "timing: import=… connect=… operation=…" line (ms) Invoke-Benchmark.ps1
reads, and "count=N" for a listing. These harness lines go straight to stdout, not through Out-Default.
#>
function New-OursScript([string] $ModulePath, [string] $Backend, [string] $LocalRoot, [string] $Operation, [string] $Source, [string] $Remote, [string] $Destination) {
    @(
        "# $Backend $Operation (generated by bench/BenchOperations.ps1)"
        '$ErrorActionPreference = ''Stop'''
        '$clock = [Diagnostics.Stopwatch]::StartNew()'
        "Import-Module $(ConvertTo-BenchLiteral $ModulePath)"
        '$imported = $clock.Elapsed.TotalMilliseconds'
        (Get-BenchConnectText $Backend $LocalRoot)
        '$connected = $clock.Elapsed.TotalMilliseconds'
        "`$result = $(Get-BenchOperationText $Operation $Source $Remote $Destination)"
        '$done = $clock.Elapsed.TotalMilliseconds'
        'if ($null -ne $result) { [Console]::Out.WriteLine("count=$result") }'
        '[Console]::Out.WriteLine(("timing: import={0:0} connect={1:0} operation={2:0}" -f $imported, ($connected - $imported), ($done - $connected)))'
        '# Per-file failures are non-terminating errors: any of them fails the step.'
        'if ($Error.Count -gt 0) { foreach ($e in $Error) { [Console]::Out.WriteLine("error: $e") }; exit 1 }'
    ) -join "`n"
}
