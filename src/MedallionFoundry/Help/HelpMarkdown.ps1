# Reads the PlatyPS markdown layout: '# Name', '## SECTION', '### Subsection', fenced code blocks.
# Headings inside code fences (PowerShell comments) are text, not headings.

function Read-HelpMarkdown([string] $Path) {
    $sections = [ordered]@{}
    $section = $null; $sub = $null; $inFence = $false; $inFrontMatter = $false; $lineNumber = 0
    foreach ($line in (Get-Content $Path)) {
        $lineNumber++
        if ($lineNumber -eq 1 -and $line -eq '---') { $inFrontMatter = $true; continue }
        if ($inFrontMatter) { if ($line -eq '---') { $inFrontMatter = $false }; continue }
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^## (.+)$') {
            $section = [pscustomobject]@{ Title = $Matches[1].Trim(); Lines = [System.Collections.Generic.List[string]]::new(); Subsections = [System.Collections.Generic.List[object]]::new() }
            $sections[$section.Title] = $section; $sub = $null; continue
        }
        if (-not $inFence -and $line -match '^### (.+)$' -and $section) {
            $sub = [pscustomobject]@{ Title = $Matches[1].Trim(); Lines = [System.Collections.Generic.List[string]]::new() }
            $section.Subsections.Add($sub); continue
        }
        if (-not $inFence -and $line -match '^# ') { continue }
        if ($sub) { $sub.Lines.Add($line) } elseif ($section) { $section.Lines.Add($line) }
    }
    [pscustomobject]@{ Path = $Path; Sections = $sections }
}

function Get-SectionText($Doc, [string] $Name) {
    if (-not $Doc.Sections.Contains($Name)) { return '' }
    $Doc.Sections[$Name].Lines -join "`n"
}

function Get-Subsections($Doc, [string] $Name) {
    if (-not $Doc.Sections.Contains($Name)) { return @() }
    # CommonParameters is PowerShell's own paragraph, not a parameter of the cmdlet.
    @($Doc.Sections[$Name].Subsections | Where-Object Title -ne 'CommonParameters')
}

# Paragraphs of markdown text: blank lines separate them, lines inside one are joined, inline code
# marks dropped (they read badly in a console). Fenced blocks stay as they are, one paragraph each.
function ConvertTo-Paragraph([string] $Text) {
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $current = [System.Collections.Generic.List[string]]::new()
    $fence = $null
    foreach ($line in ($Text -split "`n")) {
        if ($null -ne $fence) {
            if ($line -match '^\s*```') { $paragraphs.Add(($fence -join "`n")); $fence = $null } else { $fence.Add($line) }
            continue
        }
        if ($line -match '^\s*```') {
            if ($current.Count) { $paragraphs.Add(($current -join ' ')); $current.Clear() }
            $fence = [System.Collections.Generic.List[string]]::new(); continue
        }
        if ($line.Trim() -eq '') {
            if ($current.Count) { $paragraphs.Add(($current -join ' ')); $current.Clear() }
            continue
        }
        $current.Add(($line.Trim() -replace '`([^`]+)`', '$1'))
    }
    if ($current.Count) { $paragraphs.Add(($current -join ' ')) }
    ,$paragraphs.ToArray()
}

# An example: the first fenced block is the code, the text around it the remarks.
function Split-Example($Example) {
    $code = [System.Collections.Generic.List[string]]::new()
    $remarks = [System.Collections.Generic.List[string]]::new()
    $state = 'before'
    foreach ($line in $Example.Lines) {
        if ($state -ne 'after' -and $line -match '^\s*```') {
            $state = if ($state -eq 'before') { 'code' } else { 'after' }; continue
        }
        if ($state -eq 'code') { $code.Add($line) } else { $remarks.Add($line) }
    }
    [pscustomobject]@{ Code = ($code -join "`n"); Remarks = ($remarks -join "`n") }
}

function Get-RelatedLinks($Doc) {
    if (-not $Doc.Sections.Contains('RELATED LINKS')) { return @() }
    foreach ($line in $Doc.Sections['RELATED LINKS'].Lines) {
        if ($line -match '^\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)') {
            # Links to sibling pages are names Get-Help resolves; web links keep their address.
            $uri = if ($Matches.uri -match '^https?://') { $Matches.uri } else { '' }
            [pscustomobject]@{ Text = $Matches.text; Uri = $uri }
        }
    }
}

# The about topic as Get-Help shows it: headings flush left, text indented four spaces, code eight.
function ConvertTo-AboutText([string[]] $Lines) {
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') { $inFence = -not $inFence; continue }
        if ($inFence) { '        ' + $line; continue }
        if ($line -match '^# (.+)$') { 'TOPIC'; '    ' + $Matches[1].Trim(); continue }
        if ($line -match '^##+ (.+)$') { $Matches[1].Trim().ToUpperInvariant(); continue }
        if ($line.Trim() -eq '') { ''; continue }
        '    ' + ($line -replace '`([^`]+)`', '$1')
    }
}
