<#
.SYNOPSIS
Writes the CHANGELOG section of the manifest's ModuleVersion into the BUILT manifest as PSData.ReleaseNotes.
Fails when the CHANGELOG has no section for that version, so a release cannot ship without notes.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ManifestPath,
    [Parameter(Mandatory)] [string] $ChangelogPath
)
$ErrorActionPreference = 'Stop'
$version = (Import-PowerShellDataFile $ManifestPath).ModuleVersion
$lines = Get-Content $ChangelogPath
$start = [array]::FindIndex([string[]]$lines, [Predicate[string]] { param($l) $l -match "^## \[?$([regex]::Escape($version))\]?(\s|$)" })
if ($start -lt 0) { throw "$ChangelogPath has no '## $version' section for the module version $version." }
$end = [array]::FindIndex([string[]]$lines, $start + 1, [Predicate[string]] { param($l) $l -match '^## ' })
if ($end -lt 0) { $end = $lines.Count }
$notes = (($lines[($start + 1)..($end - 1)]) -join "`n").Trim()
if (-not $notes) { throw "The '## $version' section of $ChangelogPath is empty." }

$text = Get-Content $ManifestPath -Raw
$marker = '(?m)^(\s*)# ReleaseNotes:.*$'
if ($text -notmatch $marker) { throw "$ManifestPath has no '# ReleaseNotes:' line in PSData to replace." }
$escaped = $notes.Replace("'", "''")
$text = [regex]::Replace($text, $marker, { param($m) "$($m.Groups[1].Value)ReleaseNotes = '$escaped'" })
Set-Content -Path $ManifestPath -Value $text -NoNewline -Encoding utf8NoBOM
