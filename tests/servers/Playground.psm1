# The playground (build.ps1 Servers / StopServers): the S3 server and Azurite the tests use, started
# detached so they outlive the build, with their data on disk in one folder, a bucket and a container
# named 'bronze', and ready configs, so a newcomer can try S3 and Azure without cloud accounts.
Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1')

$script:ServersRoot = $PSScriptRoot
$script:Bucket = 'bronze'
# The well-known development credentials of both servers (public, documented; not secrets).
$script:S3Key = 'S3RVER'
$script:Azurite = Get-AzuriteDevelopmentAccount

function Get-StateFile([string] $Folder) { Join-Path $Folder 'servers.json' }

function Test-PlaygroundProcess([int] $ProcessId) {
    $process = Get-Process -Id $ProcessId -ErrorAction SilentlyContinue
    $null -ne $process -and $process.ProcessName -eq 'node'
}

# Starts node detached from this process (own session, output to log files), so it keeps running
# after the build exits and never holds the caller's output pipe open. Returns its process id.
function Start-DetachedNode([string] $Name, [string[]] $Arguments, [string] $LogFolder, [hashtable] $Environment) {
    $log = Join-Path $LogFolder "$Name.log"
    foreach ($k in $Environment.Keys) { [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
    try {
        if ($IsWindows) {
            $p = Start-Process -FilePath node -ArgumentList $Arguments -WindowStyle Hidden -PassThru -RedirectStandardOutput $log -RedirectStandardError "$log.err"
            return $p.Id
        }
        $launch = 'log=$1; shift; setsid "$@" > "$log" 2>&1 < /dev/null & echo $!'
        [int] (& bash -c $launch 'playground' $log 'node' @Arguments)
    }
    finally {
        foreach ($k in $Environment.Keys) { [Environment]::SetEnvironmentVariable($k, $null) }
    }
}

function Wait-PlaygroundPort([string] $Name, [int] $Port, [int] $ProcessId, [string] $LogFolder) {
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (-not (Test-PlaygroundProcess $ProcessId)) { throw "The $Name server exited at start; see $LogFolder/$Name.log." }
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $Port); return } catch { Start-Sleep -Milliseconds 200 } finally { $client.Dispose() }
    }
    throw "The $Name server did not listen on 127.0.0.1:$Port within 60 s; see $LogFolder/$Name.log."
}

function Write-PlaygroundFiles([string] $Folder, [int] $S3Port, [int] $AzurePort) {
    $connectionString = "DefaultEndpointsProtocol=http;AccountName=$($script:Azurite.Account);AccountKey=$($script:Azurite.Key);BlobEndpoint=http://127.0.0.1:$AzurePort/$($script:Azurite.Account);"
    $variables = [ordered]@{
        PLAYGROUND_S3_ENDPOINT = "http://127.0.0.1:$S3Port"
        PLAYGROUND_S3_ACCESS_KEY = $script:S3Key
        PLAYGROUND_S3_SECRET_KEY = $script:S3Key
        PLAYGROUND_AZURE_CONNECTION_STRING = $connectionString
    }
    $variables.GetEnumerator() | ForEach-Object { "`$env:$($_.Key) = '$($_.Value)'" } | Set-Content (Join-Path $Folder 'env.ps1')
    $variables.GetEnumerator() | ForEach-Object { "export $($_.Key)='$($_.Value)'" } | Set-Content (Join-Path $Folder 'env.sh')
    @"
# The playground's S3 server (build.ps1 Servers). The connection section names environment
# variables (set them with: . ./.playground/env.ps1), never the secrets themselves.
platform:
  bronze:
    storage_backend: s3
    s3_bucket: $script:Bucket
    s3_prefix: landing
  s3_connection:
    endpoint_url_env: PLAYGROUND_S3_ENDPOINT
    access_key_env: PLAYGROUND_S3_ACCESS_KEY
    secret_key_env: PLAYGROUND_S3_SECRET_KEY
"@ | Set-Content (Join-Path $Folder 'platform-s3.yaml')
    @"
# The playground's Azurite (build.ps1 Servers); set the variable with: . ./.playground/env.ps1
platform:
  bronze:
    storage_backend: azure
    azure_storage_account: $($script:Azurite.Account)
    azure_container: $script:Bucket
    azure_prefix: landing
  azure_connection:
    connection_string_env: PLAYGROUND_AZURE_CONNECTION_STRING
    create_container: true
"@ | Set-Content (Join-Path $Folder 'platform-azure.yaml')
    $variables
}

# The module itself checks both connections; the Azure one creates the container (create_container).
function Test-PlaygroundConnections([string] $Folder, [string] $ModulePath, [System.Collections.IDictionary] $Variables) {
    foreach ($k in $Variables.Keys) { [Environment]::SetEnvironmentVariable($k, $Variables[$k]) }
    $check = "Import-Module '$ModulePath'; Connect-BronzeStorage -ConfigPath '$Folder/platform-s3.yaml' -Name s3; Connect-BronzeStorage -ConfigPath '$Folder/platform-azure.yaml' -Name azure"
    try {
        $output = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $check 2>&1
        if ($LASTEXITCODE -ne 0) { throw "The playground servers started but the module could not connect: $output" }
    }
    finally {
        foreach ($k in $Variables.Keys) { [Environment]::SetEnvironmentVariable($k, $null) }
    }
}

function Write-PlaygroundHelp([string] $Folder, $State) {
    $relative = [IO.Path]::GetRelativePath((Get-Location).Path, $Folder)
    Write-Host @"
== Playground running (data kept in $relative)
   S3 server  http://127.0.0.1:$($State.S3Port)   bucket '$script:Bucket'     config $relative/platform-s3.yaml
   Azurite    http://127.0.0.1:$($State.AzurePort)   container '$script:Bucket'  config $relative/platform-azure.yaml
Try it (in this folder):
   dotnet pwsh
   . ./$relative/env.ps1                      # sets the PLAYGROUND_* variables the configs name
   Import-Module ./out/MedallionFoundry/MedallionFoundry.psd1
   Connect-BronzeStorage -ConfigPath ./$relative/platform-s3.yaml -Name s3
   Send-BronzeFile -Path ./docs -Recurse -Destination try/
   Get-BronzeFileList try/
   Connect-BronzeStorage -ConfigPath ./$relative/platform-azure.yaml -Name azure
   (bash: source ./$relative/env.sh)
Stop them: dotnet pwsh ./build.ps1 StopServers    (the data stays; build.ps1 Clean removes it)
"@
}

<#
.SYNOPSIS
Starts the playground servers (unless they already run), writes its configs and prints how to use and stop them.
#>
function Start-Playground {
    param([Parameter(Mandatory)] [string] $Folder, [Parameter(Mandatory)] [string] $ModulePath)
    New-Item -ItemType Directory -Force -Path $Folder | Out-Null
    $stateFile = Get-StateFile $Folder
    if (Test-Path $stateFile) {
        $state = Get-Content $stateFile -Raw | ConvertFrom-Json
        if ((Test-PlaygroundProcess $state.S3Pid) -and (Test-PlaygroundProcess $state.AzurePid)) { Write-PlaygroundHelp $Folder $state; return }
        Stop-Playground -Folder $Folder
    }
    Install-TestServerPackages
    $logs = New-Item -ItemType Directory -Force -Path (Join-Path $Folder 'logs')
    $s3Data = New-Item -ItemType Directory -Force -Path (Join-Path $Folder 's3')
    $azureData = New-Item -ItemType Directory -Force -Path (Join-Path $Folder 'azurite')

    $s3Port = Get-FreeTcpPort
    $s3Pid = Start-DetachedNode -Name 's3' -LogFolder $logs -Environment @{ NODE_OPTIONS = '--openssl-legacy-provider' } -Arguments @(
        (Join-Path $script:ServersRoot 'start-s3rver.js'), '--address', '127.0.0.1', '--port', "$s3Port", '--directory', $s3Data,
        '--silent', '--allow-mismatched-signatures', '--configure-bucket', $script:Bucket)
    $azurePort = Get-FreeTcpPort
    $azurePid = Start-DetachedNode -Name 'azurite' -LogFolder $logs -Environment @{} -Arguments @(
        (Join-Path $script:ServersRoot 'node_modules/azurite/dist/src/blob/main.js'), '--blobHost', '127.0.0.1', '--blobPort', "$azurePort",
        '--location', $azureData, '--loose', '--skipApiVersionCheck', '--disableTelemetry', '--silent')
    $state = [pscustomobject]@{ S3Pid = $s3Pid; S3Port = $s3Port; AzurePid = $azurePid; AzurePort = $azurePort }
    $state | ConvertTo-Json | Set-Content $stateFile
    Wait-PlaygroundPort -Name 's3' -Port $s3Port -ProcessId $s3Pid -LogFolder $logs
    Wait-PlaygroundPort -Name 'azurite' -Port $azurePort -ProcessId $azurePid -LogFolder $logs

    $variables = Write-PlaygroundFiles -Folder $Folder -S3Port $s3Port -AzurePort $azurePort
    Test-PlaygroundConnections -Folder $Folder -ModulePath $ModulePath -Variables $variables
    Write-PlaygroundHelp $Folder $state
}

<#
.SYNOPSIS
Stops the playground servers started from this folder; their data stays.
#>
function Stop-Playground {
    param([Parameter(Mandatory)] [string] $Folder)
    $stateFile = Get-StateFile $Folder
    if (-not (Test-Path $stateFile)) { Write-Host "== No playground runs from $Folder."; return }
    $state = Get-Content $stateFile -Raw | ConvertFrom-Json
    foreach ($id in @($state.S3Pid, $state.AzurePid)) {
        if (Test-PlaygroundProcess $id) {
            $process = Get-Process -Id $id
            $process.Kill($true)
            $null = $process.WaitForExit(10000)
        }
    }
    Remove-Item $stateFile
    Write-Host "== Playground stopped (data kept in $Folder)."
}

Export-ModuleMember -Function Start-Playground, Stop-Playground
