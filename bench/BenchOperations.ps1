# What the benchmark asks of our module, written once: Invoke-Ours.ps1 runs one operation in a
# fresh pwsh process (import + connect + cmdlet, the way the peers run), and Invoke-Benchmark.ps1
# runs the same operation in its own session on a connection that is already open.
# Connection facts come from the MF_TEST_* variables that tests/servers/TestServers.psm1 sets.

function Connect-BenchBackend {
    param(
        [Parameter(Mandatory)] [ValidateSet('local', 's3', 'azure', 'sftp')] [string] $Backend,
        [string] $LocalRoot,
        [string] $Bucket = 'bench'
    )
    switch ($Backend) {
        'local' {
            Connect-BronzeStorage -Backend Local -Path $LocalRoot -Name bench
        }
        's3' {
            # A SecureString built with .NET calls: ConvertTo-SecureString would autoload PowerShell's Security
            # module (~120 ms of CPU in a fresh process), a cost of this harness, not of the module.
            $secret = [Security.SecureString]::new()
            foreach ($c in $env:MF_TEST_S3_SECRET_KEY.ToCharArray()) { $secret.AppendChar($c) }
            $credential = [pscredential]::new($env:MF_TEST_S3_ACCESS_KEY, $secret)
            Connect-BronzeStorage -Backend S3 -Bucket $Bucket -EndpointUrl $env:MF_TEST_S3_ENDPOINT -Region us-east-1 -Credential $credential -Name bench
        }
        'azure' {
            Connect-BronzeStorage -Backend Azure -Account $env:MF_TEST_AZURE_ACCOUNT -Container $Bucket `
                -ConnectionString $env:MF_TEST_AZURE_CONNECTION_STRING -Name bench
        }
        'sftp' {
            # The bucket is a folder under the test server's root (made by the first upload).
            $config = Join-Path ([IO.Path]::GetTempPath()) "mf-bench-sftp-$PID.yaml"
            @('platform:', '  bronze:', '    storage_backend: sftp', "    sftp_host: $env:MF_TEST_SFTP_HOST", "    sftp_port: $env:MF_TEST_SFTP_PORT",
                "    sftp_path: $env:MF_TEST_SFTP_ROOT", "    sftp_prefix: $Bucket", '  sftp_connection:', '    username_env: MF_TEST_SFTP_USER',
                '    password_env: MF_TEST_SFTP_PASSWORD', "    known_hosts_path: $env:MF_TEST_SFTP_KNOWN_HOSTS") | Set-Content $config
            try { Connect-BronzeStorage -ConfigPath $config -Name bench } finally { Remove-Item $config }
        }
    }
}

<#
Runs one workload step with the current connection. Returns a count for List (what the controller
verifies); the transfers write nothing (their results are verified from outside).
#>
function Invoke-BenchOperation {
    param(
        [Parameter(Mandatory)] [ValidateSet('SendFile', 'SendFolder', 'GetFile', 'GetFolder', 'List', 'Delete')] [string] $Operation,
        [string] $Source,
        [string] $Remote,
        [string] $Destination
    )
    switch ($Operation) {
        'SendFile' { Send-BronzeFile -Path $Source -Destination $Remote }
        'SendFolder' { Send-BronzeFile -Path $Source -Recurse -Destination $Remote }
        'GetFile' { Get-BronzeFile -Path $Remote -Destination $Destination -Force | Out-Null }
        'GetFolder' { Get-BronzeFileList -Prefix $Remote | Get-BronzeFile -Destination $Destination -Force | Out-Null }
        'List' { (Get-BronzeFileList -Prefix $Remote | Measure-Object).Count }
        'Delete' { Get-BronzeFileList -Prefix $Remote | Remove-BronzeFile }
    }
}
