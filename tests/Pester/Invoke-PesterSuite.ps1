<#
.SYNOPSIS
Runs every *.Tests.ps1 under tests/Pester against the built module, in this fresh pwsh,
and writes the counts to a JSON file for build.ps1.
#>
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $Filter
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -Force
$env:MF_MODULE_PATH = (Resolve-Path $ModulePath).Path

$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Output.Verbosity = $(if ($env:MF_PESTER_VERBOSITY) { $env:MF_PESTER_VERBOSITY } else { 'Normal' })
if ($Filter) { $config.Run.Path = @(Get-ChildItem $PSScriptRoot -Filter "$Filter.Tests.ps1" | ForEach-Object FullName) }

$result = Invoke-Pester -Configuration $config
if ($null -eq $result) {
    # Pester reported an error of its own (no test file matched, a file that does not parse) and ran
    # nothing: that fails the run, it does not pass it with nothing counted.
    [pscustomobject]@{ Passed = 0; Failed = 1; Note = 'Pester ran no tests (see its error above)'; FailedNames = @('Pester itself') } | ConvertTo-Json | Set-Content $ResultPath
    exit 1
}
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
$failedNames = @($result.Failed | ForEach-Object { $_.ExpandedPath }) + @($result.FailedBlocks | ForEach-Object { $_.ExpandedPath }) +
    @($result.FailedContainers | ForEach-Object { "$($_.Item)" })
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $failed; Note = ''; FailedNames = $failedNames } | ConvertTo-Json | Set-Content $ResultPath
